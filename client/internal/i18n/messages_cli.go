package i18n

// cliMessages are those of the command-line flows, `client credentials`
// and `client device`: what they print on standard output.
var cliMessages = []pair{
	{"provider not answering (attempt %d): %s; retrying in %s", "提供者沒有回應（第 %d 次）：%s；%s 後重試"},
	{"  (opaque: not a JWT)", "  （不透明的權杖：不是 JWT）"},
	{", expires %s", "，到期：%s"},
	{"Client credentials grant (RFC 6749 Section 4.4)", "用戶端憑證授權（RFC 6749 Section 4.4）"},
	{"POST %s as client %q, scope %q", "POST %s，用戶端 %q，scope %q"},
	{"Approved.", "已核准。"},
	{"Device authorization grant (RFC 8628)", "裝置授權（RFC 8628）"},
	{"  On another device, open   %s", "  在另一台裝置上開啟   %s"},
	{"  and enter the code         %s", "  並輸入代碼           %s"},
	{"  or open directly           %s", "  或直接開啟           %s"},
	{"  or scan:", "  或掃描："},
	{"Polling %s every %s until you approve or deny (Ctrl-C to stop)…", "正在輪詢 %s，每 %s一次，直到你核准或拒絕（按 Ctrl-C 停止）…"},
	{"waiting", "等待中"},
	{"code expires %s", "代碼%s到期"},
	{"  waiting for approval… %s", "  等待核准中… %s"},
	{"  still waiting for approval (%s)", "  仍在等待核准（%s）"},
}
