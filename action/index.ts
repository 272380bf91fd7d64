// The runner starts the action here; everything it does lives in run().
import { run } from "./main.js";

void run();
