#!/usr/bin/env node
// Prints the client.properties file named by argv[2] in Java's spelling, for kafka.sh's console
// tools: the services read librdkafka's spelling too, Kafka's Java tools do not. Errors are the
// services' own, on one line, exit 2. The output holds the file's secrets: kafka.sh pipes it.
const { join } = require('node:path');

let javaClientProperties;
try {
  ({ javaClientProperties } = require(join(__dirname, '..', '..', 'shared', 'dist', 'kafka', 'java-properties.js')));
} catch {
  process.stderr.write('kafka: error: shared/dist is missing: run npm run build first\n');
  process.exit(2);
}
try {
  process.stdout.write(javaClientProperties(process.argv[2]));
} catch (e) {
  process.stderr.write(`kafka: ${e.message}\n`);
  process.exit(2);
}
