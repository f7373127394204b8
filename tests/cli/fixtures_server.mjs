// @octokit/fixtures-server (its Express middleware, every @octokit/fixtures scenario) on
// 127.0.0.1 only and on a port the system picks: its own bin listens on every interface and
// on a fixed port. Prints the port as its first line on stdout.
import express from "express";
import fixtureServerMiddleware from "@octokit/fixtures-server";

const app = express();
const server = app.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  app.use(fixtureServerMiddleware({ fixturesUrl: `http://127.0.0.1:${port}`, logLevel: "error" }));
  console.log(port);
});
