package numgate.broken

allow if {
	x := input.y
	input.z == 1
}
