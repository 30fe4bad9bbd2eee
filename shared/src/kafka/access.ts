// Errors no retry can mend: the broker refused this client's credentials or certificate, or this
// client refused the broker's. A person must change a setting, so the service stops at once.
import { AccessRefusedError } from '../transport/transport';

/** Node's codes for a broker certificate that does not chain to a trusted CA or is not valid now. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'INVALID_CA',
]);

/** TLS alerts a broker sends when it wants a client certificate and got none, or one it does not trust. */
const CLIENT_CERTIFICATE_REFUSED = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
]);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/** The error and its causes, outermost first (kafkajs wraps the socket's error in one or two of its own). */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let e = error; typeof e === 'object' && e !== null && out.length < 8; e = (e as ErrorLike).cause) out.push(e as ErrorLike);
  return out;
}

/** What kafkajs says after its "Connection error: " prefix. */
function reason(e: ErrorLike): string {
  return String(e.message).replace(/^Connection error: /, '');
}

/**
 * An AccessRefusedError when `error` (from connecting to `brokers`) is one no retry can mend; otherwise
 * undefined, and the caller may retry. No secret is in the message: it names settings, not values.
 */
export function accessRefusal(error: unknown, brokers: readonly string[]): AccessRefusedError | undefined {
  const at = `Kafka at ${brokers.join(',')}`;
  for (const e of chain(error)) {
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      return new AccessRefusedError(
        `${at} refused the SASL credentials (${String(e.message)}): check sasl.username and sasl.password (or sasl.jaas.config) and sasl.mechanism`,
      );
    }
    const code = typeof e.code === 'string' ? e.code : '';
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return new AccessRefusedError(
        `the certificate of ${at} is not for the host name dialled (${reason(e)}): put a name its certificate holds in bootstrap.servers (the host name is always verified)`,
      );
    }
    if (UNTRUSTED.has(code)) {
      return new AccessRefusedError(
        `the certificate of ${at} is not trusted (${reason(e)}, ${code}): set ssl.ca.location or ssl.truststore.location to the CA that signed it`,
      );
    }
    if (CLIENT_CERTIFICATE_REFUSED.has(code)) {
      return new AccessRefusedError(
        `${at} refused this client's TLS certificate, or its absence (${code}): set ssl.certificate.location and ssl.key.location, or ssl.keystore.location, to a certificate signed by a CA the broker trusts`,
      );
    }
  }
  return undefined;
}
