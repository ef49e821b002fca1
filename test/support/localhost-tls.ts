// A self-signed certificate for localhost and 127.0.0.1 (valid to 2126), so that tests can run the
// Kodexa emulator over https as Kodexa runs, and see what an https KODEXA_URL does. A throwaway
// test key: it protects nothing and is trusted only by the test process that calls trustLocalhost.
// Made with: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
//   -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1
//   -addext basicConstraints=critical,CA:FALSE
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

export const localhostTls = {
  key: `
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjgEmT1/mJ12/uaAA
ZAJdY32fr1Ep6tlC/SpXbqAICHihRANCAATo0ZeQjaDUkccge+9hPhqRivRFRwXr
zY4fpIAnkUVdRmqAO3aW/w765Bpug3RX41MP5fCswLGjhXgq51Yr9t5F
-----END PRIVATE KEY-----
`,
  cert: `
-----BEGIN CERTIFICATE-----
MIIBlzCCAT6gAwIBAgIUIbm2eQYdbg6PEdoXdSSPE9tZelAwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNDE1NTc0N1oYDzIxMjYxMTEw
MTU1NzQ3WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATo0ZeQjaDUkccge+9hPhqRivRFRwXrzY4fpIAnkUVdRmqAO3aW/w76
5Bpug3RX41MP5fCswLGjhXgq51Yr9t5Fo2wwajAdBgNVHQ4EFgQUm2fIxjGY1AqE
rZBfWnsCUaCYf9IwHwYDVR0jBBgwFoAUm2fIxjGY1AqErZBfWnsCUaCYf9IwGgYD
VR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0E
AwIDRwAwRAIgCEAwthuCi54hn+lmlm8vQ9FW7oFlJBy+IC647AA1/DUCIH4pr0AC
VqEEmJVe4iUHPx5JEPeCGKjvDL//a4bsW2yu
-----END CERTIFICATE-----
`,
};

/** Make this process's TLS clients, fetch included, trust the certificate above. */
export function trustLocalhost(): void {
  setDefaultCACertificates([...getCACertificates('default'), localhostTls.cert]);
}
