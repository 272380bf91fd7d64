export declare function running(pid: number): boolean;
