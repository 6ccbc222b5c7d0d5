package numgate.activation

# A second definition of status beside activation.rego's, which always has a value.
status := "active" if input.force
