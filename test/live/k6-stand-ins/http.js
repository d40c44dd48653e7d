// Stand-in for k6/http in tests: records each request instead of sending it.
export default {
  request(method, url, _body, params) {
    globalThis.__k6.sent.push({ method, url, headers: params.headers });
    return { status: 200 };
  },
};
