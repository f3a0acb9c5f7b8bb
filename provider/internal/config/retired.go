package config

import (
	"maps"
	"slices"
)

// retiredSettings are the variables that earlier versions of the provider
// read and this one does not, each with what replaced it.
var retiredSettings = map[string]string{
	"PASSWORD_HASH_COST": "passwords are hashed with Argon2id, not bcrypt; its cost is PASSWORD_HASH_MEMORY_KIB and PASSWORD_HASH_TIME",
}

// RetiredSettings returns a warning for each variable of retiredSettings
// that lookup finds set, in the order of their names: this version no
// longer reads it, and what replaced it. An operator who set one for an
// earlier version learns at start that it has no effect.
func RetiredSettings(lookup func(string) (string, bool)) []string {
	var warnings []string
	for _, name := range slices.Sorted(maps.Keys(retiredSettings)) {
		if _, set := lookup(name); set {
			warnings = append(warnings, name+" is set, but this version no longer reads it: "+retiredSettings[name])
		}
	}
	return warnings
}
