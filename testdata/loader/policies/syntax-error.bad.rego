package numgate.broken

allow if {
	input.x ==
}
