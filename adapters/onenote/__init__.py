"""OneNote (Microsoft Graph) as a document tool: the pair's record as pages in one section
(`publisher`), the page HTML and its in-place updates (`page`), delegated sign-in with MSAL
(`auth`), Graph's request policy (`graph`), and the simulator (`sim`)."""
