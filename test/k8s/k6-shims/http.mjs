// Node stand-in for k6's `k6/http`: records requests and answers from a test's handler.
export const requests = [];
export const handler = { answer: () => ({ status: 200, body: '{}' }) };

function post(url, body, params) {
  const request = { url, body, headers: params.headers, tags: params.tags };
  requests.push(request);
  return handler.answer(request);
}

export default { post };
