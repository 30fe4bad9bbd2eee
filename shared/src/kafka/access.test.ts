import { strict as assert } from 'node:assert';
import { AccessRefusedError } from '../transport/transport';
import { accessRefusal } from './access';

// Shaped as kafkajs 2.2 throws them, as seen against the secured test broker (test/secure-kafka.test.ts).
function connectionError(message: string, code: string): Error {
  const socket = Object.assign(new Error(`Connection error: ${message}`), { name: 'KafkaJSConnectionError', code });
  return Object.assign(new Error(socket.message), { name: 'KafkaJSNumberOfRetriesExceeded', cause: socket });
}

describe('accessRefusal: which connection failures stop a service at once', () => {
  const brokers = ['127.0.0.1:19094'];

  it('a refused SASL login names the settings to check and never a value', () => {
    const e = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const refusal = accessRefusal(e, brokers);
    assert.ok(refusal instanceof AccessRefusedError);
    assert.match(
      refusal.message,
      /^Kafka at 127\.0\.0\.1:19094 refused the SASL credentials \(SASL SCRAM SHA512 .*\): check sasl\.username/,
    );
  });

  it('an untrusted broker certificate, found in the cause kafkajs wraps', () => {
    const refusal = accessRefusal(connectionError('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), brokers);
    assert.match(
      refusal?.message ?? '',
      /is not trusted \(self-signed certificate in certificate chain, SELF_SIGNED_CERT_IN_CHAIN\): set ssl\.ca\.location/,
    );
  });

  it('a certificate for another host name', () => {
    const refusal = accessRefusal(
      connectionError("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'),
      brokers,
    );
    assert.match(refusal?.message ?? '', /not for the host name dialled/);
  });

  it('a client certificate missing or refused (the broker alerts)', () => {
    const refusal = accessRefusal(connectionError('80EC…:sslv3 alert bad certificate', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), brokers);
    assert.match(refusal?.message ?? '', /refused this client's TLS certificate, or its absence \(ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE\)/);
  });

  it('a broker not up yet, or a connection reset, is left to the retries', () => {
    assert.equal(accessRefusal(connectionError('connect ECONNREFUSED 127.0.0.1:19094', 'ECONNREFUSED'), brokers), undefined);
    assert.equal(accessRefusal(connectionError('socket disconnected', 'ECONNRESET'), brokers), undefined);
    assert.equal(accessRefusal(new Error('This server does not host this topic-partition'), brokers), undefined);
    assert.equal(accessRefusal('not an error', brokers), undefined);
  });
});
