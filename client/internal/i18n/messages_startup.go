package i18n

// startupMessages are those of the pages the client serves before it can
// use the provider's metadata: while it waits for the provider, and when
// the metadata cannot be used. The settings' names and values stay as they
// are; the provider is 提供者, as everywhere in the client.
var startupMessages = []pair{
	{"The client is starting: it is waiting for the provider at %s.", "用戶端正在啟動：正在等待位於 %s 的提供者。"},
	{"This page reloads by itself.", "本頁會自動重新載入。"},
	{"The client cannot use the provider's metadata:", "用戶端無法使用提供者的中繼資料："},
	{"Metadata fetched from: %s (attempt %d)", "中繼資料取自：%s（第 %d 次嘗試）"},
	{"Issuer the browser sees (AUTH_SERVER): %s", "瀏覽器看到的簽發者 (AUTH_SERVER)：%s"},
	{"Back channel the client uses (AUTH_SERVER_INTERNAL, or AUTH_SERVER): %s", "用戶端使用的後端通道 (AUTH_SERVER_INTERNAL，或 AUTH_SERVER)：%s"},
	{"Fix the settings, then restart the client.", "請修正設定，然後重新啟動用戶端。"},
	{`The metadata's "issuer" must be identical to AUTH_SERVER (RFC 8414 Section 3.3), as the "iss" of every authorization response must be (RFC 9207 Section 2.4).`,
		`中繼資料的 "issuer" 必須與 AUTH_SERVER 完全相同（RFC 8414 Section 3.3），每個授權回應的 "iss" 也必須如此（RFC 9207 Section 2.4）。`},
	{"The metadata names no issuer, which it must (RFC 8414 Section 2): AUTH_SERVER_INTERNAL, or AUTH_SERVER, may lead to another server than the provider. Check them, then restart the client.",
		"中繼資料沒有指名簽發者，但它必須指名（RFC 8414 Section 2）：AUTH_SERVER_INTERNAL（或 AUTH_SERVER）可能連到了提供者以外的伺服器。請檢查它們，然後重新啟動用戶端。"},
	{`The two differ only by the trailing "/": issuers are compared character for character, so it counts.`,
		`兩者只差在結尾的 "/"：簽發者是逐字比對的，所以這也算不同。`},
	{"To change: set AUTH_SERVER=%s, exactly as the provider names its issuer, and restart the client.",
		"要修改：設定 AUTH_SERVER=%s，與提供者所稱的簽發者逐字相同，然後重新啟動用戶端。"},
	{"To change: set AUTH_SERVER=%s, the issuer the provider names, and restart the client; or, if %s is the issuer you mean, set the provider's ISSUER to it.",
		"要修改：設定 AUTH_SERVER=%s，也就是提供者所稱的簽發者，然後重新啟動用戶端；或者，如果你要的簽發者是 %s，就把提供者的 ISSUER 設成它。"},
}
