package postgres

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"golang.org/x/text/secure/precis"
)

// scramIterations is PostgreSQL's default scram_iterations.
const scramIterations = 4096

// scramVerifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for
// password (the form of pg_authid.rolpassword), computed here so that the
// password itself never reaches the server, where log_statement could
// record an ALTER ROLE ... PASSWORD. The password is normalized as the
// server and pgx do (SASLprep, the raw password when it is not valid).
func scramVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("postgres: password salt: %w", err)
	}
	return scramVerifierWith(password, salt, scramIterations)
}

// scramVerifierWith is scramVerifier with a given salt and iteration count.
func scramVerifierWith(password string, salt []byte, iterations int) (string, error) {
	if p, err := precis.OpaqueString.String(password); err == nil {
		password = p
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("postgres: password verifier: %w", err)
	}
	stored := sha256.Sum256(scramMAC(salted, "Client Key"))
	server := scramMAC(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(stored[:]), b64(server)), nil
}

func scramMAC(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
