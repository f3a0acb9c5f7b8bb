package i18n

// The glossary: one Taiwan term for each concept, the same in the
// provider's catalogues, the client's and README.zh-TW.md (TestOneTerm
// rejects each variant marked "not" in the catalogues; the provider's
// TestReadmeZhTWGlossary rejects them, and 程序, in README.zh-TW.md):
//
//	claims                      宣告 (not 聲明)
//	trace                       追蹤紀錄 (not 追蹤記錄)
//	issue (a token, a code)     簽發 (not 核發)
//	grant (the stored grant)    授權許可 (grant); grant type 授權類型
//	private key                 私鑰 (not 私密金鑰)
//	process (of the OS)         行程 (程序 is a procedure)
//	replay                      重放
//	open                        開啟 (not 打開)
//	credentials                 憑證 (not 憑據)
//	the dash of a user code     連字號 (not 破折號, the long dash "——")
//
// The client calls the authorization server 提供者 (provider), as its
// English calls it the provider.

// traditionalChinese is the zh-TW catalogue: each English message key
// with its Traditional Chinese as written in Taiwan. The RFCs' terms stay
// in English beside the translation where a learner would search for
// them; protocol values (error codes, parameter names) stay as they are.
var traditionalChinese = map[string]string{
	// The layout and the sign-in form.
	"OAuth 2.0 reference provider": "OAuth 2.0 參考授權伺服器",
	"Username":                     "使用者名稱",
	"Password":                     "密碼",
	"Demo account: <code>%s</code> / <code>%s</code>.":    "示範帳號：<code>%s</code> / <code>%s</code>。",
	"Signed in as <strong>%s</strong> (<code>%s</code>).": "你目前以 <strong>%s</strong>（<code>%s</code>）登入。",
	"Signed in as <code>%s</code>.":                       "你目前以 <code>%s</code> 登入。",
	"Approving does not need your password again.":        "同意授權時不必再輸入密碼。",
	"Not you? Use another account":                        "不是你？改用其他帳號",

	// The login and consent page (the authorization endpoint).
	"Sign in and approve":                                                                 "登入並同意授權",
	"<strong>%s</strong> wants to access your account":                                    "<strong>%s</strong> 想要存取你的帳號",
	"Client id <code>%s</code> · it will be sent back to <code>%s</code>":                 "用戶端 ID (client_id) <code>%s</code> · 之後會被導回 <code>%s</code>",
	"This app registered itself: its name is its own claim, not verified by this server.": "這個應用程式是自行註冊的 (dynamic client registration)：名稱是它自己宣稱的，本伺服器並未驗證。",
	"Allow it only if you started this sign-in and trust the address above.":              "只有在這次登入是你自己發起、而且你信任上方網址時，才允許它。",
	"Its address is <strong>%s</strong>: check that this is the app you meant to use.":    "它的網址是 <strong>%s</strong>：請確認這是你想使用的應用程式。",
	"The code goes to a program on this computer, at <strong>%s</strong>, and any program may use this app's name. Allow only if you just started “%s” on this computer.":                                "授權碼 (code) 會送到這台電腦上的程式，位址是 <strong>%s</strong>，而任何程式都能冒用這個應用程式的名稱。只有在你剛剛於這台電腦上啟動「%s」時，才允許它。",
	"This app describes itself in a document at the address of its client id: its name is its own claim, not verified by this server. Allow it only if you started this sign-in and trust that address.": "這個應用程式以其用戶端 ID (client_id) 網址上的文件描述自己 (client ID metadata document)：名稱是它自己宣稱的，本伺服器並未驗證。只有在這次登入是你自己發起、而且你信任該網址時，才允許它。",
	"If you allow it, this app will be able to:":    "如果你允許，這個應用程式將可以：",
	"It may use this access only at these servers:": "它只能在這些伺服器上使用這項存取權：",
	"this server, where you sign in":                "也就是你正在登入的這個伺服器",
	"Allow":                                         "允許",
	"Deny":                                          "拒絕",

	// Scope explanations (package oauth, knownScopes).
	"Sign you in with your account here (OpenID Connect).": "用你在這裡的帳號幫你登入 (OpenID Connect)。",
	"See your name.":                   "查看你的姓名。",
	"See your email address.":          "查看你的電子郵件地址。",
	"Read your protected resources.":   "讀取你受保護的資源 (protected resource)。",
	"Change your protected resources.": "修改你受保護的資源 (protected resource)。",
	"Keep its access while you are away: it may renew its tokens without asking you again, until you sign out of it or its access is revoked.": "在你離開時保留存取權 (offline access)：它可以不再詢問你就更新權杖 (token)，直到你從它登出或撤銷它的存取權為止。",

	// Messages the handlers choose (package web, msg… constants).
	"Wrong username or password.": "使用者名稱或密碼錯誤。",
	"Too many wrong passwords from your network. Wait a few minutes, then try again.": "你的網路輸入錯誤密碼的次數太多。請等幾分鐘後再試一次。",
	"Too many sign-ins from your network at once. Try again in a moment.":             "你的網路同時有太多登入。請稍後再試一次。",
	"Your session expired or the form was not ours. Please try again.":                "你的工作階段 (session) 已過期，或這份表單不是本站發出的。請再試一次。",
	"Please sign in.": "請先登入。",
	"The form was sent with a field twice. Please try again.":                    "表單中有欄位被送出兩次。請再試一次。",
	"Choose Allow or Deny.":                                                      "請選擇「允許」或「拒絕」。",
	"Choose Approve or Deny.":                                                    "請選擇「核准」或「拒絕」。",
	"That code is not valid. Check the code shown on your device and try again.": "這個代碼無效。請核對裝置上顯示的代碼後再試一次。",
	"Your session expired or the form was not ours. Please choose again.":        "你的工作階段 (session) 已過期，或這份表單不是本站發出的。請重新選擇。",
	// A form body a page refused (formRefusal).
	"The request was not a form (application/x-www-form-urlencoded). Please try again.": "這個請求不是表單 (application/x-www-form-urlencoded)。請再試一次。",
	"The form was too large. Please try again.":                                         "表單太大。請再試一次。",
	"The form's encoding was not valid. Please try again.":                              "表單的編碼無效。請再試一次。",
	"The form took too long to arrive. Please try again.":                               "表單傳送花了太久。請再試一次。",
	"Device connected": "裝置已連線",
	"Return to your device: it will finish signing in by itself. You can close this page.": "請回到你的裝置：它會自行完成登入。你可以關閉這個頁面。",
	"Request denied": "已拒絕請求",
	"The device was not given access. You can close this page.": "這個裝置沒有取得存取權。你可以關閉這個頁面。",
	"Too many attempts": "嘗試次數過多",
	"Too many codes were entered from your network. Wait a few minutes, then try again.":    "你的網路輸入代碼的次數太多。請等幾分鐘後再試一次。",
	"Too many codes were entered from your network at once. Try again in a moment.":         "你的網路同時輸入了太多代碼。請稍後再試一次。",
	"Codes were entered too quickly from your network. Wait a few seconds, then try again.": "你的網路輸入代碼的速度太快。請等幾秒後再試一次。",
	"This code has expired": "這個代碼已過期",
	"Codes last a few minutes only. Start again on your device to get a new code.": "代碼只在幾分鐘內有效。請在裝置上重新開始，取得新的代碼。",
	"This code was already used": "這個代碼已經用過了",
	"It was approved or denied before. If that was not you, start again on your device.":  "它先前已被核准或拒絕。如果那不是你，請在裝置上重新開始。",
	"Check the provider's log: it names the cause of this error. Then try again.":         "請查看授權伺服器的日誌 (log)：裡面會寫出這個錯誤的原因。然後再試一次。",
	"Check with the user: they declined, so the application gets no access.":              "請向使用者確認：他們拒絕了，所以應用程式沒有取得存取權。",
	"Check the request's parameters against what the client registered at this provider.": "請將請求的參數與用戶端 (client) 在本伺服器註冊的內容逐一比對。",
	"Check the address: this provider has no page or endpoint at this path.":              "請檢查網址：這個授權伺服器在這個路徑上沒有頁面，也沒有端點 (endpoint)。",

	// The device pages (RFC 8628).
	"Connect a device":                     "連接裝置",
	"Enter the code shown on your device.": "請輸入裝置上顯示的代碼 (user code)。",
	"Code":                                 "代碼",
	"Letters only; the dash and the case do not matter.": "只有英文字母；連字號與大小寫都不影響。",
	"Continue":         "繼續",
	"Approve a device": "核准裝置",
	"A device wants to use <strong>%s</strong> with your account":                                  "有一個裝置想用你的帳號使用 <strong>%s</strong>",
	"Check that this is the code shown on your device:":                                            "請確認這就是你裝置上顯示的代碼：",
	"Client id <code>%s</code>. If you did not start this on a device of yours, deny.":             "用戶端 ID (client_id) <code>%s</code>。如果這不是你在自己的裝置上發起的，請拒絕。",
	"Approve it only if you started this on a device in front of you and it shows the code above.": "只有在這是你在眼前的裝置上發起、而且裝置顯示上方的代碼時，才核准它。",
	"If you approve, the device will be able to:":                                                  "如果你核准，這個裝置將可以：",
	"Approve":            "核准",
	"Enter a code":       "輸入代碼",
	"Enter another code": "輸入另一組代碼",

	// The error page.
	"Error":                            "錯誤",
	"This request cannot be processed": "無法處理這個請求",
	"Check that %s.":                   "請確認：%s。",
	"redirect_uri: the provider compares it with the registered value exactly, character by character": "redirect_uri：授權伺服器會與註冊的值逐字元完全比對 (exact string matching)",
	"Received":   "收到的值",
	"Registered": "註冊的值",
	"They first differ at character %d, where the received value ends (highlighted).":                                            "兩者從第 %d 個字元開始不同，也就是收到的值結束的地方（已標示）。",
	"They first differ at character %d (highlighted).":                                                                           "兩者從第 %d 個字元開始不同（已標示）。",
	"Fix the application's redirect URI, or register this one.":                                                                  "請修正應用程式的重新導向 URI (redirect URI)，或註冊這一個。",
	"The provider could not complete the request. Nothing was changed; try again in a moment.":                                   "授權伺服器無法完成這個請求。沒有任何資料被變更；請稍後再試。",
	"The application that sent you here made an invalid request, so you have not been sent back to it. You can close this page.": "把你帶到這裡的應用程式送出了無效的請求，所以沒有把你導回去。你可以關閉這個頁面。",
	"The <a href=\"%s/\">provider's home page</a> lists its endpoints.":                                                          "<a href=\"%s/\">授權伺服器的首頁</a>列出了它的端點 (endpoint)。",

	// The index page.
	"Home":                                "首頁",
	"The authorization server is running": "授權伺服器 (authorization server) 正在運作",
	"Issuer <code>%s</code>. Clients find every endpoint in its metadata:": "簽發者 (issuer) <code>%s</code>。用戶端可以在它的中繼資料 (metadata) 中找到每個端點 (endpoint)：",
	"the keys that sign tokens":         "簽署權杖 (token) 的金鑰",
	"enter the code a device shows you": "輸入裝置顯示給你的代碼",
	"To walk through the authorization code flow, open the demo client at <code>%s</code> and sign in as <code>%s</code> / <code>%s</code>.": "想一步步走過授權碼流程 (authorization code flow)，請開啟位於 <code>%s</code> 的示範用戶端，並以 <code>%s</code> / <code>%s</code> 登入。",
	"To walk through the authorization code flow, open the demo client at <code>%s</code>.":                                                  "想一步步走過授權碼流程 (authorization code flow)，請開啟位於 <code>%s</code> 的示範用戶端。",

	"what this server checked for each request, rule by rule (teaching mode)": "本伺服器對每個請求逐條檢查了什麼（教學模式 teaching mode）",

	// The traces' page (teaching mode).
	"Traces":                    "追蹤紀錄 (traces)",
	"What the provider checked": "授權伺服器檢查了什麼",
	"The protocol requests of the last %d minutes, newest first (at most %d): for each, the rules this server applied in order, each with the section that states it, and what the request changed. A refused request ends with the rule it failed.": "最近 %d 分鐘內的協定請求，最新的在前（最多 %d 筆）：每筆列出本伺服器依序套用的規則、每條規則出自的章節，以及這個請求變更了什麼。被拒絕的請求，最後一條就是它沒通過的規則。",
	"Only the requests of client_id": "只看這個用戶端 ID (client_id) 的請求",
	"Show":                           "顯示",
	"passed:":                        "通過：",
	"failed:":                        "未通過：",
	"Changed: %s":                    "變更：%s",
	"; ":                             "；",
	"the request asked for":          "你要找的請求",
	"The request <code>%s</code> is not one of <code>%s</code>'s but of <code>%s</code>'s:": "請求 <code>%s</code> 不是 <code>%s</code> 的請求，而是 <code>%s</code> 的：",
	"show it among every client's requests":                                                 "在所有用戶端的請求中顯示它",
	"No trace is kept for the request <code>%s</code>: only protocol requests are traced (not pages, metadata, or requests the router refuses: an unknown path, a method not allowed), the newest %d for %d minutes. Each provider process keeps the traces of the requests it served: behind a load balancer, another one may have served this one.": "沒有保留請求 <code>%s</code> 的追蹤紀錄：只有協定請求會被追蹤（頁面、中繼資料 (metadata)，以及被路由器拒絕的請求：未知的路徑、不允許的方法，都不會），且只保留最新的 %d 筆、%d 分鐘。每個授權伺服器行程只保留它自己處理過的請求的追蹤紀錄：在負載平衡器後面，這個請求可能是由另一個行程處理的。",
	"No request of this client in the last %d minutes.":                                                                          "最近 %d 分鐘內沒有這個用戶端的請求。",
	"No protocol request in the last %d minutes. Sign in through the demo client, or send one with curl, then reload this page.": "最近 %d 分鐘內沒有協定請求。請透過示範用戶端登入，或用 curl 送出一個請求，然後重新載入這個頁面。",
	"Each trace is also served as JSON at <code>%s/debug/trace/{X-Request-Id}</code>, the header of every answer. Traces never hold a password, secret, code or token: rules and changes are fixed sentences.": "每筆追蹤紀錄也以 JSON 提供於 <code>%s/debug/trace/{X-Request-Id}</code>（每個回應都帶有這個標頭）。追蹤紀錄從不包含密碼、密鑰 (secret)、授權碼 (code) 或權杖 (token)：規則與變更都是固定的句子。",

	// The logout pages (OIDC RP-Initiated Logout).
	"Sign out":                   "登出",
	"Sign out of this provider?": "要登出這個授權伺服器嗎？",
	"<strong>%s</strong> (client id <code>%s</code>) asks to end your session here.":                 "<strong>%s</strong>（client_id <code>%s</code>）要求結束你在這裡的工作階段 (session)。",
	"A site asks to end your session here.":                                                          "有一個網站要求結束你在這裡的工作階段 (session)。",
	"You are signed in: after signing out, every app needs your password again.":                     "你目前已登入：登出之後，每個應用程式都需要你再次輸入密碼。",
	"You are not signed in here at the moment.":                                                      "你目前沒有在這裡登入。",
	"The request was made for another account than the one signed in here, so you decide.":           "這個請求針對的帳號和目前登入的帳號不同，所以由你決定。",
	"The request does not prove which app sent it (it carries no ID token of yours), so you decide.": "這個請求沒有附上你的 ID 權杖 (ID token)，無法證明是哪個應用程式送出的，所以由你決定。",
	"Afterwards you go to <code>%s</code>.":                                                          "之後你會被導向 <code>%s</code>。",
	"The app describes itself in a document at its client id, and this provider does not vouch for the address it asks to send you to afterwards, so you decide.": "這個應用程式以其用戶端 ID (client_id) 網址上的文件描述自己，本授權伺服器不為它要求之後導向的網址擔保，所以由你決定。",
	"The app registered itself, and this provider does not vouch for the address it asks to send you to afterwards, so you decide.":                               "這個應用程式是自行註冊的，本授權伺服器不為它要求之後導向的網址擔保，所以由你決定。",

	// The page before a redirect this provider does not vouch for (RFC 9700 Section 4.11.2).
	"Leave this provider?": "要離開這個授權伺服器嗎？",
	"Go back to this app?": "要回到這個應用程式嗎？",
	"<strong>%s</strong> (client id <code>%s</code>) describes itself in a document at that address, which this provider has not verified.": "<strong>%s</strong>（用戶端 ID (client_id) <code>%s</code>）以該網址上的文件描述自己，本授權伺服器並未驗證它。",
	"<strong>%s</strong> (client id <code>%s</code>) registered itself with this provider, which has not verified it.":                      "<strong>%s</strong>（用戶端 ID (client_id) <code>%s</code>）是自行向本授權伺服器註冊的，本伺服器並未驗證它。",
	"You denied its request.":           "你拒絕了它的請求。",
	"Its request ended without access:": "它的請求沒有取得存取權就結束了：",
	"It asks to send you back to <code>%s</code>. This provider does not vouch for that address: go there only if you know it.":               "它要求把你導回 <code>%s</code>。本授權伺服器不為這個網址擔保：只有在你認得它時才前往。",
	"Why ask: anyone can register an app here and make a request fail on purpose, to send you from this trusted address to a site of theirs.": "為什麼要問：任何人都能在這裡註冊應用程式，並故意讓請求失敗，藉此把你從這個可信任的網址送到他們自己的網站。",
	"Stay here":               "留在這裡",
	"Continue to the app":     "前往應用程式",
	"Stay signed in":          "保持登入",
	"Nothing changed":         "沒有任何變更",
	"You are still signed in": "你仍然是登入狀態",
	"You chose not to sign out: your session at this provider goes on.": "你選擇不登出：你在這個授權伺服器的工作階段 (session) 會繼續。",
	"You cancelled: you are still not signed in here.":                  "你取消了：你在這裡仍然沒有登入。",
	"Cancel":             "取消",
	"Back to %s":         "回到 %s",
	"Back to the app":    "回到應用程式",
	"Signed out":         "已登出",
	"You are signed out": "你已登出",
	"You were not signed in here: there was no session to end.":                      "你原本就沒有在這裡登入：沒有工作階段 (session) 需要結束。",
	"Your session at this provider has ended at the request of <strong>%s</strong>.": "應 <strong>%s</strong> 的要求，你在這個授權伺服器的工作階段 (session) 已結束。",
	"Your session at this provider has ended.":                                       "你在這個授權伺服器的工作階段 (session) 已結束。",
	"The next sign-in asks for your password again.":                                 "下次登入時會再次要求輸入密碼。",
	"You can close this page.":                                                       "你可以關閉這個頁面。",
	"This provider's home page":                                                      "這個授權伺服器的首頁",

	// The protected resource page (RFC 6750).
	"Protected resource":    "受保護的資源 (protected resource)",
	"This page is secured.": "這個頁面受到保護。",
	"You reached it with a valid access token for <code>%s</code>, issued to client <code>%s</code> with scope <code>%s</code>.": "你使用了有效的存取權杖 (access token) 來到這裡：主體 (sub) 為 <code>%s</code>，簽發給用戶端 <code>%s</code>，範圍 (scope) 為 <code>%s</code>。",
}
