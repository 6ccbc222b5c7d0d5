package numgate.activation

# The status of a request that names documents: one value per document, a conflict.
first_document_type := d.type if {
	some d in input.identity.documents
}
