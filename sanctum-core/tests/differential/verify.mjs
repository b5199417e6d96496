// The reference side of sanctum-core's differential test (tests/differential.rs).
//
// Usage: node verify.mjs <corpus.json>
// Reads {now, userPoolId, clientId, jwks, cases: [{name, token, tokenUse}]}, verifies every
// token with aws-jwt-verify's CognitoJwtVerifier (same pool and client; tokenUse "access",
// "id", or null for either; the JWKS preloaded with cacheJwks; the clock fixed at `now`) and
// prints {version, results: [{name, accept, errorClass, error}]} as JSON on stdout: for a refused
// token `errorClass` is the name of the class aws-jwt-verify threw (`JwtExpiredError`,
// `KidNotFoundInJwksError`, ..., or a Node.js error such as `TypeError`) and `error` its message.
// The test maps the class onto its common refusal classes (differential.rs, `aws_class`).
//
// verifySync only reads the preloaded JWKS, so nothing here touches the network.
import { readFileSync } from "node:fs";
import { CognitoJwtVerifier } from "aws-jwt-verify";

const corpusPath = process.argv[2];
if (!corpusPath) {
  console.error("usage: node verify.mjs <corpus.json>");
  process.exit(2);
}
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
const pkg = JSON.parse(
  readFileSync(new URL("./node_modules/aws-jwt-verify/package.json", import.meta.url), "utf8"),
);

// aws-jwt-verify reads the time through Date.now() only.
const fixedMillis = corpus.now * 1000;
Date.now = () => fixedMillis;

const verifiers = new Map();
for (const tokenUse of ["access", "id", null]) {
  const verifier = CognitoJwtVerifier.create({
    userPoolId: corpus.userPoolId,
    clientId: corpus.clientId,
    tokenUse,
  });
  verifier.cacheJwks(corpus.jwks);
  verifiers.set(tokenUse, verifier);
}

const results = corpus.cases.map(({ name, token, tokenUse }) => {
  const verifier = verifiers.get(tokenUse ?? null);
  if (!verifier) {
    return {
      name,
      accept: false,
      errorClass: "HarnessError",
      error: `harness: unknown tokenUse ${tokenUse}`,
    };
  }
  try {
    verifier.verifySync(token);
    return { name, accept: true, errorClass: null, error: null };
  } catch (err) {
    // aws-jwt-verify's errors keep Error's `name`; the constructor names the class.
    const errorClass = err?.constructor?.name ?? typeof err;
    return { name, accept: false, errorClass, error: `${errorClass}: ${err?.message ?? err}` };
  }
});

process.stdout.write(JSON.stringify({ version: pkg.version, results }));
