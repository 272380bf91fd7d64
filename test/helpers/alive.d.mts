/** Whether a process with this pid runs; a zombie does not. */
export declare function alive(pid: number): boolean;
