package numgate.log

# "hide" is not a masking operation: the load must name this rule.
mask contains {"op": "hide", "path": "/request/identity/fields/first_name"} if {
	input.kind == "activation"
}
