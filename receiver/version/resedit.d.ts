// The part of resedit (and pe-library) that pe-version.ts uses; see resedit.js.

export declare class NtExecutable {
  private constructor();
  static from(bin: ArrayBuffer | ArrayBufferView, options?: { ignoreCert?: boolean }): NtExecutable;
}

export interface ResourceEntry {
  type: string | number;
  id: string | number;
  lang: string | number;
  codepage: number;
  bin: ArrayBuffer;
}

export declare class NtExecutableResource {
  private constructor();
  static from(exe: NtExecutable, ignoreUnparsableData?: boolean): NtExecutableResource;
  entries: ResourceEntry[];
}

export interface VersionTranslation {
  lang: number;
  codepage: number;
}

/** VS_VERSIONINFO: the fixed a.b.c.d numbers and a string table per language. */
export interface VersionInfo {
  readonly fixedInfo: {
    fileVersionMS: number;
    fileVersionLS: number;
    productVersionMS: number;
    productVersionLS: number;
  };
  getAllLanguagesForStringValues(): VersionTranslation[];
  getStringValues(language: VersionTranslation): Record<string, string>;
}

export declare const Resource: {
  VersionInfo: { fromEntries(entries: readonly ResourceEntry[]): VersionInfo[] };
};
