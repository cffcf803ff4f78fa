"""moto server whose requests run one at a time.

moto's TransactWriteItems is not atomic across server threads: it snapshots
the touched tables, applies the items one by one and, when the transaction is
cancelled, puts the snapshot back, undoing writes other threads committed in
the meantime (acknowledged writes are lost, conditional writes race). Real
DynamoDB executes each request atomically; serialising moto's handling of
DynamoDB requests restores that guarantee (other services are not
serialised). Clients still run fully concurrently and
keep their keep-alive connections (the server stays threaded).

It also replaces moto's rollback snapshot: moto deep-copies every touched
table on EVERY TransactWriteItems (cost grows with the table: about 150 ms
per transaction at 800 items on this machine). With requests serialised, an
undo log of just the transaction's items (and the stream shard's length) is
an exact rollback at a cost independent of the table size.

And it honours TransactWriteItems' ClientRequestToken as DynamoDB does (moto
ignores it): a retry carrying the token of a transaction that succeeded gets
that success again instead of being applied a second time. The SDK sends the
same token on every retry of one call, so a call whose answer was lost (a
reset connection under load) and was retried reports the write it made, not
a conflict with itself.

usage: python moto_serial.py HOST PORT
"""
import hashlib
import io
import json
import os
import sys
import threading
import time

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

import copy

import moto.dynamodb.models as _ddb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table


class _NoTableCopy:
    """copy module stand-in for moto.dynamodb.models during a transaction:
    tables are not snapshotted (the undo log below restores them)."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(x, memo=None):
        if isinstance(x, Table):
            return x
        return copy.deepcopy(x, memo)


_orig_transact = DynamoDBBackend.transact_write_items


def _transact_with_undo_log(self, transact_items):
    undo = []  # (table, hash DynamoType, range DynamoType|None, old Item|None)
    shards = {}
    for item in transact_items:
        try:
            _, op = next(iter(item.items()))
            table = self.tables[op["TableName"]]
            key = op["Item"] if "Item" in op else op["Key"]
            h = DynamoType(key[table.hash_key_attr])
            r = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        except Exception:  # moto reports the malformed item itself
            continue
        old = table.get_item(h, r)
        undo.append((table, h, r, copy.deepcopy(old) if old is not None else None))
        if table.stream_shard is not None and id(table) not in shards:
            shards[id(table)] = (table.stream_shard, len(table.stream_shard.items))
    _ddb_models.copy = _NoTableCopy()
    try:
        return _orig_transact(self, transact_items)
    except Exception:
        for table, h, r, old in reversed(undo):
            if r is None:
                if old is None:
                    table.items.pop(h, None)
                else:
                    table.items[h] = old
            else:
                part = table.items[h]
                if old is None:
                    part.pop(r, None)
                    if not part:
                        table.items.pop(h, None)
                else:
                    part[r] = old
        for shard, n in shards.values():
            del shard.items[n:]
        raise
    finally:
        _ddb_models.copy = copy


DynamoDBBackend.transact_write_items = _transact_with_undo_log

_lock = threading.Lock()
_app = DomainDispatcherApplication(create_backend_app)


# ClientRequestToken -> (request body digest, time, status, headers, body) of
# successful TransactWriteItems; DynamoDB keeps tokens for 10 minutes.
_tokens = {}
_TOKEN_TTL = 600


def _transact_token(environ):
    """Reads the body of a TransactWriteItems request (putting it back for
    moto) and returns (token, digest), or (None, None)."""
    if not environ.get("HTTP_X_AMZ_TARGET", "").endswith(".TransactWriteItems"):
        return None, None
    n = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(n) if n else b""
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        token = json.loads(body or b"{}").get("ClientRequestToken")
    except ValueError:
        return None, None
    return token, hashlib.sha256(body).hexdigest()


def serial_app(environ, start_response):
    # Only DynamoDB and DynamoDB Streams calls are serialised: other services
    # may block in the server (SQS long polling waits for a SendMessage).
    if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
        return _app(environ, start_response)
    with _lock:
        token, digest = _transact_token(environ)
        now = time.time()
        for k in [k for k, v in _tokens.items() if now - v[1] > _TOKEN_TTL]:
            del _tokens[k]
        if token and token in _tokens and _tokens[token][0] == digest:
            _, _, status, headers, body = _tokens[token]
            start_response(status, headers)
            return [body]
        answer = {}

        def capture(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, list(headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        # Produce the whole body inside the lock: moto serialises lazily.
        body = b"".join(_app(environ, capture))
        if token and answer.get("status", "").startswith("200"):
            _tokens[token] = (digest, now, answer["status"], answer["headers"], body)
        return [body]


def _exit_with_parent(parent):
    # the test binary that started this server is gone (however it ended):
    # so is the server's purpose
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    run_simple(
        sys.argv[1],
        int(sys.argv[2]),
        serial_app,
        threaded=True,
        request_handler=MotoRequestHandler,
    )
