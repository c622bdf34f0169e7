'use strict';
// CommonJS, so a worker thread's eval'd program and the server's ES modules load it alike; each
// export is assigned on its own so that Node sees their names from an ES module import.
const native = require('./build/Release/dropline_openssl.node');

exports.SHA256_STATE_BYTES = native.SHA256_STATE_BYTES;
exports.sha256Update = native.sha256Update;
exports.sha256Digest = native.sha256Digest;
exports.isSha256State = native.isSha256State;
exports.gcmSeal = native.gcmSeal;
exports.gcmOpen = native.gcmOpen;
