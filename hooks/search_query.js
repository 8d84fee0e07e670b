/* search_query.js: put in front of Material's search worker by hooks/lessons.py. */
// It rewrites a query before Material's worker reads it, for two kinds of word that
// Material searches badly.
//
// Material gives every query term a trailing wildcard, and lunr's query lexer splits a word
// at its hyphens. So "top-p" was searched as `top p*`, either piece enough, and `p*` matched
// "processing" in a page title, which outranked the lesson on top-p sampling; and the "in"
// of "garbage in garbage out" was searched as `in*`, which matches "introduction" and
// "inference" although the index leaves the stop word "in" out.
//
// - A hyphenated word asks for each of its pieces that the index holds: "self-att" is
//   searched as `+self +att*`, "top-p" as `+top +p`. The last piece is required when some
//   word of the index starts with it, and keeps its wildcard for a reader still typing,
//   unless it is a single letter that the index holds as a word: `p*` would match every
//   word that starts with p, and long sections full of them outranked the lesson on top-p.
//   A piece the index does not hold
//   ("multi-headed") or a stop word ("in-context") stays optional, so the query still finds
//   what the other pieces find.
// - In a query of several words, a stop word other than the last is searched as itself,
//   without the wildcard, and so drops out as it does from the index. The last word keeps
//   its wildcard: "self at" may be on its way to "self attention".
// Queries written in lunr's own syntax (quotes, +, ~, ^, *, field:) are left as they are;
// a quoted phrase with a stop word in it ("garbage in") finds nothing, as in Material.
(() => {
  const SETUP = 0, QUERY = 2  // SearchMessageType in Material's worker
  const hyphenated = /^\w[\w.]*(-[\w.]*)+$/
  const isStopWord = word => self.lunr.stopWordFilter(word) === undefined
  const words = new Set()  // every token of the index, as the index splits and lowercases them

  function indexWords({ config, docs }) {
    const separator = new RegExp(config.separator)
    for (const doc of docs)
      for (const field of [doc.title, doc.text])
        for (const word of (field || "").replace(/<[^>]*>/g, " ").toLowerCase().split(separator))
          if (word)
            words.add(word)
  }

  const held = piece => words.has(piece)
  function startsAWord(piece) {  // at every key typed: walk the set, do not copy it
    for (const word of words)
      if (word.startsWith(piece))
        return true
    return false
  }

  function rewrite(query) {
    const terms = query.trim().split(/\s+/)
    return terms.map((term, t) => {
      const last = t === terms.length - 1
      if (hyphenated.test(term)) {
        const pieces = term.toLowerCase().split("-").filter(piece => piece)
        return pieces.map((piece, i) => {
          const final = i === pieces.length - 1
          if (isStopWord(piece) || !(final ? startsAWord(piece) : held(piece)))
            return piece  // optional: Material adds its wildcard
          const wildcard = final && !(piece.length === 1 && held(piece))
          return `+${piece}${wildcard ? "*" : ""}`  // Material adds no wildcard after a +
        }).join(" ")
      }
      return !last && isStopWord(term.toLowerCase()) ? `${term}^1` : term
    }).join(" ")
  }

  addEventListener("message", event => {
    const message = event.data
    if (message.type === SETUP)
      indexWords(message.data)
    else if (message.type === QUERY && !/["+~^*:]/.test(message.data))
      message.data = rewrite(message.data)
  })
})();
/* end of search_query.js */
