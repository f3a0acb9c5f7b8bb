package main

import "context"

// interleave measures a path and its reference in rounds: each round is one
// window of each, back to back on the same CPU, so both meet the same load
// of the machine, which on a shared machine drifts by ±15 % within
// minutes. The reference goes first in even rounds and second in odd ones,
// so a load that rises or falls steadily through the rounds favours
// neither. It returns the windows in round order: refs[i] beside paths[i].
func interleave(ctx context.Context, rounds int, ref, path windowFunc) (refs, paths []measurement, err error) {
	for i := range rounds {
		first, second := ref, path
		if i%2 == 1 {
			first, second = path, ref
		}
		a, err := first(ctx)
		if err != nil {
			return nil, nil, err
		}
		b, err := second(ctx)
		if err != nil {
			return nil, nil, err
		}
		if i%2 == 1 {
			a, b = b, a
		}
		refs, paths = append(refs, a), append(paths, b)
	}
	return refs, paths, nil
}

// roundRatios are the path's figure divided by its reference's, round by
// round; a round without a figure on either side has no ratio.
func roundRatios(paths, refs []measurement) []float64 {
	var ratios []float64
	for i := range min(len(paths), len(refs)) {
		if p, r := paths[i].PerCPUSecond(), refs[i].PerCPUSecond(); p > 0 && r > 0 {
			ratios = append(ratios, p/r)
		}
	}
	return ratios
}
