// The line protocol between these scripts and their Go tests
// (provider/internal/web): a script prints one JSON object per line on
// stdout; the test, playing the user's browser, answers with one line on
// stdin (the URL the browser was redirected to).
import * as readline from 'node:readline'

// print writes value as one line of JSON.
export function print(value) {
  console.log(JSON.stringify(value))
}

// readLine waits for the test's next line.
export async function readLine() {
  const lines = readline.createInterface({ input: process.stdin })
  const line = await new Promise((resolve) => lines.once('line', resolve))
  lines.close()
  return line
}

// refusal is what the library made of an error answer: the HTTP status, the
// WWW-Authenticate challenges it parsed (RFC 6750 Section 3), and the error
// code and description of the JSON body (RFC 6749 Section 5.2). Anything
// else the library threw is reported by its code and message.
export async function refusal(err) {
  if (err.name === 'WWWAuthenticateChallengeError') {
    // The library throws on a challenge before it reads the body, even where
    // the body is the JSON error RFC 6749 Section 5.2 asks for beside it
    // (invalid_client to a client that used Basic: 401 and WWW-Authenticate).
    // The body is still unread in err.response.
    const body = await err.response.json().catch(() => ({}))
    return { status: err.status, challenges: err.cause, error: body.error, error_description: body.error_description }
  }
  return { status: err.status, error: err.error ?? err.code, error_description: err.error_description ?? err.message }
}
