// Package auth decides who may send, see and command: API keys for feeds and
// displays, users with passwords for people, and the roles both carry.
//
// Credentials live in one JSON file (see Store). Keys and passwords are stored
// hashed: a key is 32 random bytes, so one SHA-256 is enough; a password is a
// person's, so it gets PBKDF2-SHA256 with a high iteration count. The file is
// re-read when it changes, so a revoked key stops working within seconds on a
// running server.
package auth
