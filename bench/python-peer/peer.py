"""The Python a competent engineer would write instead of hotswap: the bench's reference peer.

Batched, at least once: confluent-kafka (librdkafka) consume(num_messages=500), fastavro
decoding, one tf.function forward pass per batch, an idempotent acks=all producer with
linger.ms=5, then flush and commit per batch. Same topic, Avro records, model architecture and
JSON prediction record as the predictor. Prints one JSON line: records, perSecond, spanMs, from
the first batch received to the last batch committed.
"""

import argparse
import json
from io import BytesIO
import os
import socket
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import fastavro  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from confluent_kafka import Consumer, KafkaException, Producer  # noqa: E402

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def build_model(architecture):
    """The predictor's architectures, with fresh weights: throughput does not depend on them."""
    if architecture == "mlp":
        layers = [tf.keras.layers.Dense(256, activation="relu"), tf.keras.layers.Dense(128, activation="relu")]
    else:
        layers = [
            tf.keras.layers.Reshape((28, 28, 1)),
            tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            tf.keras.layers.MaxPooling2D(),
            tf.keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            tf.keras.layers.MaxPooling2D(),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dropout(0.3),
            tf.keras.layers.Dense(128, activation="relu"),
        ]
    model = tf.keras.Sequential([tf.keras.Input(shape=(784,)), *layers, tf.keras.layers.Dense(10, activation="softmax")])
    forward = tf.function(lambda x: model(x, training=False), input_signature=[tf.TensorSpec([None, 784], tf.float32)])
    forward(tf.zeros([1, 784]))
    return forward


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--out-topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    with open(args.schema) as f:
        schema = fastavro.parse_schema(json.load(f))
    forward = build_model(args.model)
    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": args.group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    producer = Producer({
        "bootstrap.servers": args.brokers,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
    })
    consumer.subscribe([args.topic])
    replica = f"python-{socket.gethostname()}-{os.getpid()}"
    labelled = correct_count = predictions = 0
    done = 0
    first_at = None
    last_at = None
    deadline = time.time() + args.timeout

    while done < args.count:
        if time.time() > deadline:
            print(f"python peer: {done} of {args.count} records within {args.timeout} s", file=sys.stderr)
            sys.exit(1)
        messages = consumer.consume(num_messages=500, timeout=1.0)
        if not messages:
            continue
        if first_at is None:
            first_at = time.time()
        samples = []
        for m in messages:
            if m.error():
                raise KafkaException(m.error())
            samples.append((m, fastavro.schemaless_reader(BytesIO(m.value()), schema)))
        pixels = np.frombuffer(b"".join(s["features"] for _, s in samples), dtype=np.uint8).reshape(len(samples), 784)
        probabilities = forward(tf.constant(pixels, dtype=tf.float32) / 255.0).numpy()
        classes = probabilities.argmax(axis=1)
        now = int(time.time() * 1000)
        for (m, s), predicted, row in zip(samples, classes, probabilities):
            predicted = int(predicted)
            label = s["label"]
            correct = None if label is None else label == predicted
            predictions += 1
            if correct is not None:
                labelled += 1
                correct_count += int(correct)
            accuracy = correct_count / labelled if labelled else None
            record = {
                "sampleId": s["sampleId"],
                "dataset": s["dataset"],
                "model": {"name": "fashion-mnist", "version": 1},
                "predicted": predicted,
                "predictedClass": CLASS_NAMES[predicted],
                "confidence": float(row[predicted]),
                "label": label,
                "correct": correct,
                "accuracy": accuracy,
                "count": labelled,
                "predictions": predictions,
                "modelAccuracy": accuracy,
                # fastavro reads timestamp-millis as a datetime.
                "sampleCreatedAt": int(s["createdAt"].timestamp() * 1000),
                "predictedAt": now,
                "source": {"topic": m.topic(), "partition": m.partition(), "offset": str(m.offset())},
                "predictor": replica,
            }
            producer.produce(args.out_topic, key=m.key(), value=json.dumps(record, separators=(",", ":")),
                             headers={"content-type": "application/json"})
            producer.poll(0)
        # At least once: the predictions are acknowledged before the offsets are committed.
        producer.flush()
        consumer.commit(asynchronous=False)
        done += len(samples)
        last_at = time.time()
    consumer.close()
    span_ms = max(1.0, (last_at - first_at) * 1000)
    print(json.dumps({"records": done, "perSecond": done * 1000 / span_ms, "spanMs": round(span_ms)}))


if __name__ == "__main__":
    main()
