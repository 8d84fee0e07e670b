// Prepended to Material's search worker by hooks/lessons.py (on_post_build): it rewrites a
// query before Material's worker reads it, for two kinds of word Material searches badly.
//
// Material gives every query term a trailing wildcard, and lunr's query lexer splits a word
// at its hyphens. So "top-p" was searched as `top* p*`, either piece enough, and `p*`
// matched "processing" in a page title, which outranked the lesson on top-p sampling; and
// the "in" of "garbage in" was searched as `in*`, which matches "introduction" and
// "inference" although the index leaves the stop word "in" out.
//
// - A hyphenated word asks for all of its pieces: "top-p" is searched as `+top +p*` (the
//   last piece keeps its wildcard, for a reader still typing).
// - In a query of several words, a stop word is searched as itself, without the wildcard,
//   and so drops out as it does from the index ("garbage in" is searched as `garbage*`).
// Queries written in lunr's own syntax (quotes, +, ~, ^, *, field:) are left as they are.
(() => {
  const QUERY = 2  // SearchMessageType.QUERY in Material's worker
  const hyphenated = /^\w[\w.]*(-[\w.]*)+$/
  const isStopWord = word => self.lunr.stopWordFilter(word.toLowerCase()) === undefined

  function rewrite(query) {
    const words = query.trim().split(/\s+/)
    return words.map(word => {
      if (hyphenated.test(word)) {
        const pieces = word.split("-").filter(piece => piece && !isStopWord(piece))
        if (pieces.length)
          return pieces.map((piece, i) => (
            `+${piece}${i === pieces.length - 1 ? "*" : ""}`
          )).join(" ")
      }
      // `^1` (a boost of one) is how Material lets a term through without a wildcard
      return words.length > 1 && isStopWord(word) ? `${word}^1` : word
    }).join(" ")
  }

  addEventListener("message", event => {
    const message = event.data
    if (message.type === QUERY && !/["+~^*:]/.test(message.data))
      message.data = rewrite(message.data)
  })
})();
