-- wrk script for bench/mock-sse.sh: streaming chat completions with a fixed 64-token output.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"mock-model","messages":[{"role":"user","content":"Benchmark the mock server with a short prompt."}],"max_tokens":64,"stream":true,"stream_options":{"include_usage":true}}'
