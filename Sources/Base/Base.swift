// The small facts every module shares, written once and with no dependencies: hex and
// base64, RFC 3339 times and the wall clock, atomic file writes, source positions and
// configuration errors, and the words the policy and the signed statements share.
