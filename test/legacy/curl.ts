import { spawn } from "node:child_process";

export interface CurlAnswer {
  status: number;
  body: string;
}

// Runs the real curl, the way the tests stand in for wwHttp: `-u user:pw` sends
// Basic auth, `-F "File=@FILE"` the multipart form wwHttp builds with
// nHttpPostMode = 2 and AddPostKey("File", lcFile, .T.).
export function curl(args: string[]): Promise<CurlAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-sS", "-w", "\n%{http_code}", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`curl ${args.join(" ")} exited ${code}: ${err}`));
      const at = out.lastIndexOf("\n");
      resolve({ status: Number(out.slice(at + 1)), body: out.slice(0, at) });
    });
  });
}

/** What Bld_*.prg's upload does: loHttp.AddPostKey("File", lcFile, .T.), then post it. */
export const uploadExe = (url: string, file: string, user = "rick:pw") =>
  curl(["-u", user, "-F", `File=@${file};filename=Webdemo.exe`, url]);

/** What Bld_*.prg's update does: loHttp.HttpGet(lcUrl, lcUserNameHttp, lcPasswordHttp). */
export const updateExe = (url: string, user = "rick:pw") => curl(["-u", user, url]);
