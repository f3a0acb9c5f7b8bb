package token

import (
	"bytes"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// derSignature encodes r and s (big-endian, unsigned) as ecdsa.SignASN1 does.
func derSignature(r, s []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(seq *cryptobyte.Builder) {
		for _, n := range [][]byte{r, s} {
			seq.AddASN1(asn1.INTEGER, func(i *cryptobyte.Builder) {
				if len(n) == 0 || n[0]&0x80 != 0 {
					i.AddUint8(0) // DER's leading zero keeps the integer positive
				}
				i.AddBytes(n)
			})
		}
	})
	return b.BytesOrPanic()
}

func TestConcatRS(t *testing.T) {
	high := bytes.Repeat([]byte{0xff}, 32)             // DER adds a leading zero: 33 octets
	short := append([]byte{0x01}, make([]byte, 29)...) // 30 octets: padded on the left
	for _, tc := range []struct {
		name string
		r, s []byte
		want []byte
	}{
		{"high bit set (RFC 7518 Section 3.4)", high, high, bytes.Repeat([]byte{0xff}, 64)},
		{"short integers are padded to 32 octets (RFC 7518 Section 3.4)", short, high,
			append(append([]byte{0, 0, 1}, make([]byte, 29)...), high...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := concatRS(derSignature(tc.r, tc.s))
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Errorf("got %x, %v, want %x", got, err, tc.want)
			}
		})
	}
	for name, der := range map[string][]byte{
		"33-octet integer": derSignature(append([]byte{1}, high...), high),
		"trailing bytes":   append(derSignature(high, high), 0),
		"not a sequence":   {0x02, 0x01, 0x01},
		"negative integer": {0x30, 0x06, 0x02, 0x01, 0xff, 0x02, 0x01, 0x01},
	} {
		if got, err := concatRS(der); err == nil {
			t.Errorf("%s: got %x, want an error", name, got)
		}
	}
}
