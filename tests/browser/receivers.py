"""Webhook receivers for the browser walk (tests/browser/run starts this).

Runs two tests/system/hltest.py Receivers on free 127.0.0.1 ports, "ok"
(answers 200) and "fail" (answers 500 with a markup body), plus a control
server whose GET /requests/NAME returns what that receiver got as JSON
(method, path, headers, body), so the node walk can check the signed
request without trusting the page. Writes the URLs as JSON to the file named
by its argument (atomically), then serves until it is terminated.
"""

import http.server
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system"))

from hltest import Receiver  # noqa: E402

receivers = {
    "ok": Receiver(status=200, body=b'{"received": true}',
                   headers={"Content-Type": "application/json"}),
    "fail": Receiver(status=500, body=b"<h1>upstream down</h1><script>alert(1)</script>",
                     headers={"Content-Type": "text/html"}),
}


class Control(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        rcv = receivers.get(name)
        if not self.path.startswith("/requests/") or rcv is None:
            self.send_error(404)
            return
        out = json.dumps([{"method": q.method, "path": q.path, "headers": q.headers,
                           "body": q.body.decode("utf-8", "replace")}
                          for q in list(rcv.requests)]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def main():
    control = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Control)
    control.daemon_threads = True
    urls = {name: rcv.url for name, rcv in receivers.items()}
    urls["control"] = "http://127.0.0.1:%d" % control.server_address[1]
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(urls, f)
    os.rename(tmp, sys.argv[1])
    control.serve_forever()


if __name__ == "__main__":
    main()
