// The reference side of sanctum-core's ALB differential test (tests/alb_differential.rs).
//
// Usage: node verify-alb.mjs <corpus.json>
// Reads {now, albArn: [...], issuer, clientId, jwksUri, kid, pem, cases: [{name, token}]},
// verifies every token with aws-jwt-verify's AlbJwtVerifier (same load balancers, issuer, app
// client and key endpoint; the ALB's one public key, given as PEM, preloaded with cacheJwks
// under its kid; the clock fixed at `now`) and prints {version, results: [{name, accept,
// errorClass, error}]} as JSON on stdout.
//
// verifySync only reads the preloaded key, so nothing here touches the network.
import { readFileSync } from "node:fs";
import { createPublicKey } from "node:crypto";
import { AlbJwtVerifier } from "aws-jwt-verify";

const corpusPath = process.argv[2];
if (!corpusPath) {
  console.error("usage: node verify-alb.mjs <corpus.json>");
  process.exit(2);
}
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
const pkg = JSON.parse(
  readFileSync(new URL("./node_modules/aws-jwt-verify/package.json", import.meta.url), "utf8"),
);

// aws-jwt-verify reads the time through Date.now() only.
const fixedMillis = corpus.now * 1000;
Date.now = () => fixedMillis;

const verifier = AlbJwtVerifier.create({
  albArn: corpus.albArn,
  issuer: corpus.issuer,
  clientId: corpus.clientId,
  jwksUri: corpus.jwksUri,
});
// what AlbJwksCache.pemToJwk makes of the key endpoint's PEM
const jwk = {
  ...createPublicKey({ key: corpus.pem, format: "pem" }).export({ format: "jwk" }),
  use: "sig",
  alg: "ES256",
  kid: corpus.kid,
};
verifier.cacheJwks({ keys: [jwk] });

const results = corpus.cases.map(({ name, token }) => {
  try {
    verifier.verifySync(token);
    return { name, accept: true, errorClass: null, error: null };
  } catch (err) {
    const errorClass = err?.constructor?.name ?? typeof err;
    return { name, accept: false, errorClass, error: `${errorClass}: ${err?.message ?? err}` };
  }
});

process.stdout.write(JSON.stringify({ version: pkg.version, results }));
