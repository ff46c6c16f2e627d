"""Evernote as a document tool: the pair's record as notes in one notebook (`publisher`),
ENML rendering and read-back (`enml`), the vendor SDK's Thrift client under pairsync's
request policy (`store`), and a simulator serving the SDK's own Thrift processors (`sim`)."""
