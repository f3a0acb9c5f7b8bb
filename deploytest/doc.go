// Package deploytest checks how the project is run — `make run`
// (scripts/run.sh) and docker-compose.yml — with the real provider and
// client binaries. It is a module of its own, so the compose loader it
// uses is no dependency of the programs.
package deploytest
