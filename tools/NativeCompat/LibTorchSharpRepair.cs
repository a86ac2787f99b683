// Makes TorchSharp's libLibTorchSharp.so load on systems whose libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04).
//
// The library asks for GLIBCXX_3.4.32 for exactly one symbol, std::ios_base_library_init(), which GCC 13 added to
// guarantee that the iostreams are initialised. The repair edits only the build output's copy of the library:
//   1. the GLIBCXX_3.4.32 requirement in .gnu.version_r is marked weak, so the loader no longer insists on it;
//   2. the symbol's entry in .gnu.version becomes unversioned (index 1);
//   3. its name in .dynstr becomes _ZNSt8ios_base4InitC1Ev, std::ios_base::Init::Init() of libstdc++ 12, which
//      initialises the iostreams and ignores its `this` argument. 23 bytes fit in the 28 of the old name.
// This one file is compiled twice: into the MSBuild task below (the build repairs every output) and into
// src/Trainer (with CLTOOL_RUNTIME defined) so `cltool doctor` can report what it finds.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Cltool.NativeCompat;

/// <summary>What <see cref="LibTorchSharpRepair"/> found or did to one copy of libLibTorchSharp.so.</summary>
public enum LibTorchSharpState
{
    /// <summary>The library does not require GLIBCXX_3.4.32 at all (another TorchSharp build).</summary>
    NoRequirement,
    /// <summary>The requirement is present and unrepaired: loading fails where libstdc++ lacks GLIBCXX_3.4.32.</summary>
    NeedsRepair,
    /// <summary>The requirement was already made weak and the symbol redirected by this repair.</summary>
    Repaired,
}

/// <summary>Reads and edits the dynamic-linking tables of a 64-bit little-endian ELF shared library.</summary>
public static class LibTorchSharpRepair
{
    public const string RequiredVersion = "GLIBCXX_3.4.32";
    public const string MissingSymbol = "_ZSt21ios_base_library_initv";
    public const string ReplacementSymbol = "_ZNSt8ios_base4InitC1Ev";

    const uint ShtDynsym = 11, ShtDynamic = 6, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    const ushort VerFlagWeak = 0x2, VersionIndexGlobal = 1;

    /// <summary>Reports the state of the library at <paramref name="path"/> without changing it.</summary>
    public static LibTorchSharpState Inspect(string path) => Plan(File.ReadAllBytes(path), path).State;

    /// <summary>
    /// Repairs the library in place (written to a temporary file, then renamed, so a hard link into the NuGet cache
    /// is never modified). Returns the state before the call. Idempotent.
    /// </summary>
    public static LibTorchSharpState Repair(string path)
    {
        byte[] image = File.ReadAllBytes(path);
        RepairPlan plan = Plan(image, path);
        if (plan.State != LibTorchSharpState.NeedsRepair) return plan.State;

        ushort flags = ReadU16(image, plan.VernauxFlagsOffset);
        WriteU16(image, plan.VernauxFlagsOffset, (ushort)(flags | VerFlagWeak));
        WriteU16(image, plan.VersymOffset, VersionIndexGlobal);
        byte[] replacement = Encoding.ASCII.GetBytes(ReplacementSymbol);
        Array.Clear(image, plan.SymbolNameOffset, MissingSymbol.Length);
        Array.Copy(replacement, 0, image, plan.SymbolNameOffset, replacement.Length);

        // Copy first so the temporary file keeps the library's permissions; Replace is an atomic rename on Unix.
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.Copy(path, temporary, overwrite: true);
        File.WriteAllBytes(temporary, image);
        File.Replace(temporary, path, destinationBackupFileName: null);
        return LibTorchSharpState.NeedsRepair;
    }

    /// <summary>True when the shared library at <paramref name="libraryPath"/> defines the symbol version.</summary>
    public static bool DefinesVersion(string libraryPath, string version)
    {
        byte[] image = File.ReadAllBytes(libraryPath);
        var elf = new ElfView(image, libraryPath);
        Section? verdef = elf.FindSection(ShtGnuVerdef);
        if (verdef is null) return false;
        Section strings = elf.Sections[(int)verdef.Value.Link];
        long entry = verdef.Value.Offset;
        for (uint i = 0; i < verdef.Value.Info; i++)
        {
            long aux = entry + ReadU32(image, entry + 12);
            if (elf.ReadString(strings, ReadU32(image, aux)) == version) return true;
            uint next = ReadU32(image, entry + 16);
            if (next == 0) break;
            entry += next;
        }
        return false;
    }

    /// <summary>The libstdc++.so.6 the dynamic loader picks on this machine, or null when none is found.</summary>
    public static string? FindSystemLibStdCxx()
    {
        string[] directories =
        [
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu",
            "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        ];
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, "libstdc++.so.6");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>True when this machine's libstdc++ lacks GLIBCXX_3.4.32, i.e. when the repair is needed.</summary>
    public static bool SystemNeedsRepair()
    {
        string? libstdcxx = FindSystemLibStdCxx();
        return libstdcxx is not null && !DefinesVersion(libstdcxx, RequiredVersion);
    }

    // Plain structs, not records: MSBuild compiles this file against netstandard, which lacks init-only support.
    readonly struct RepairPlan
    {
        public readonly LibTorchSharpState State;
        public readonly long VernauxFlagsOffset, VersymOffset;
        public readonly int SymbolNameOffset;

        public RepairPlan(LibTorchSharpState state, long vernauxFlagsOffset, long versymOffset, int symbolNameOffset)
        {
            State = state;
            VernauxFlagsOffset = vernauxFlagsOffset;
            VersymOffset = versymOffset;
            SymbolNameOffset = symbolNameOffset;
        }
    }

    static RepairPlan Plan(byte[] image, string path)
    {
        var elf = new ElfView(image, path);
        Section dynsym = elf.FindSection(ShtDynsym) ?? throw elf.Invalid("it has no .dynsym section");
        Section versym = elf.FindSection(ShtGnuVersym) ?? throw elf.Invalid("it has no .gnu.version section");
        Section verneed = elf.FindSection(ShtGnuVerneed) ?? throw elf.Invalid("it has no .gnu.version_r section");
        Section dynstr = elf.Sections[(int)dynsym.Link];

        (long flagsOffset, ushort versionIndex)? requirement = FindRequirement(elf, verneed, RequiredVersion);
        if (requirement is null) return new RepairPlan(LibTorchSharpState.NoRequirement, 0, 0, 0);
        var (flagsOffset, versionIndex) = requirement.Value;

        int symbolCount = (int)(dynsym.Size / 24);
        int symbolIndex = -1;
        int replacementIndex = -1;
        for (int i = 0; i < symbolCount; i++)
        {
            string name = elf.ReadString(dynstr, ReadU32(image, dynsym.Offset + 24L * i));
            ushort version = (ushort)(ReadU16(image, versym.Offset + 2L * i) & 0x7fff);
            if (version == versionIndex)
            {
                if (name != MissingSymbol)
                    throw elf.Invalid($"symbol {name} also needs {RequiredVersion}; this repair only knows {MissingSymbol}");
                symbolIndex = i;
            }
            if (name == ReplacementSymbol && version == VersionIndexGlobal) replacementIndex = i;
        }

        bool weak = (ReadU16(image, flagsOffset) & VerFlagWeak) != 0;
        if (weak && symbolIndex < 0 && replacementIndex >= 0)
            return new RepairPlan(LibTorchSharpState.Repaired, 0, 0, 0);
        if (symbolIndex < 0)
            throw elf.Invalid($"it requires {RequiredVersion} but no symbol uses it; the file is not one this repair understands");

        int nameOffset = checked((int)(dynstr.Offset + ReadU32(image, dynsym.Offset + 24L * symbolIndex)));
        EnsureNameNotShared(elf, dynsym, verneed, dynstr, symbolIndex, nameOffset);
        return new RepairPlan(LibTorchSharpState.NeedsRepair, flagsOffset, versym.Offset + 2L * symbolIndex, nameOffset);
    }

    /// <summary>Finds the Vernaux entry for <paramref name="version"/>: the file offset of its flags and its index.</summary>
    static (long, ushort)? FindRequirement(ElfView elf, Section verneed, string version)
    {
        byte[] image = elf.Image;
        Section strings = elf.Sections[(int)verneed.Link];
        long entry = verneed.Offset;
        for (uint i = 0; i < verneed.Info; i++)
        {
            ushort count = ReadU16(image, entry + 2);
            long aux = entry + ReadU32(image, entry + 8);
            for (int j = 0; j < count; j++)
            {
                if (elf.ReadString(strings, ReadU32(image, aux + 8)) == version)
                    return (aux + 4, ReadU16(image, aux + 6));
                aux += ReadU32(image, aux + 12);
            }
            uint next = ReadU32(image, entry + 12);
            if (next == 0) break;
            entry += next;
        }
        return null;
    }

    /// <summary>
    /// Linkers merge string tails, so another name may point into the middle of the one we rewrite. Refuse then,
    /// rather than silently renaming a second symbol or library.
    /// </summary>
    static void EnsureNameNotShared(ElfView elf, Section dynsym, Section verneed, Section dynstr, int symbolIndex, int nameOffset)
    {
        long start = nameOffset - dynstr.Offset, end = start + MissingSymbol.Length;
        foreach (long reference in StringReferences(elf, dynsym, verneed, symbolIndex))
            if (reference >= start && reference <= end)
                throw elf.Invalid($"another name shares the bytes of {MissingSymbol} in .dynstr; rewriting it would rename both");
    }

    static IEnumerable<long> StringReferences(ElfView elf, Section dynsym, Section verneed, int skipSymbol)
    {
        byte[] image = elf.Image;
        for (int i = 0; i < dynsym.Size / 24; i++)
            if (i != skipSymbol) yield return ReadU32(image, dynsym.Offset + 24L * i);
        long entry = verneed.Offset;
        for (uint i = 0; i < verneed.Info; i++)
        {
            yield return ReadU32(image, entry + 4);
            long aux = entry + ReadU32(image, entry + 8);
            for (int j = 0; j < ReadU16(image, entry + 2); j++)
            {
                yield return ReadU32(image, aux + 8);
                aux += ReadU32(image, aux + 12);
            }
            uint next = ReadU32(image, entry + 12);
            if (next == 0) break;
            entry += next;
        }
        Section? dynamic = elf.FindSection(ShtDynamic);
        if (dynamic is null) yield break;
        const long dtNeeded = 1, dtSoname = 14, dtRpath = 15, dtRunpath = 29;
        for (long at = dynamic.Value.Offset; at + 16 <= dynamic.Value.Offset + dynamic.Value.Size; at += 16)
        {
            long tag = (long)ReadU64(image, at);
            if (tag is dtNeeded or dtSoname or dtRpath or dtRunpath) yield return (long)ReadU64(image, at + 8);
        }
    }

    readonly struct Section
    {
        public readonly uint Type, Link, Info;
        public readonly long Offset, Size;

        public Section(uint type, long offset, long size, uint link, uint info)
        {
            Type = type;
            Offset = offset;
            Size = size;
            Link = link;
            Info = info;
        }
    }

    sealed class ElfView
    {
        public byte[] Image { get; }
        public List<Section> Sections { get; } = new();
        readonly string _path;

        public ElfView(byte[] image, string path)
        {
            Image = image;
            _path = path;
            if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
                throw Invalid("it is not an ELF file");
            if (image[4] != 2 || image[5] != 1) throw Invalid("only 64-bit little-endian ELF files are supported");
            long tableOffset = (long)ReadU64(image, 0x28);
            ushort entrySize = ReadU16(image, 0x3A), count = ReadU16(image, 0x3C);
            if (entrySize != 64 || tableOffset + (long)count * entrySize > image.Length) throw Invalid("its section table is truncated");
            for (int i = 0; i < count; i++)
            {
                long at = tableOffset + 64L * i;
                var section = new Section(ReadU32(image, at + 4), (long)ReadU64(image, at + 24), (long)ReadU64(image, at + 32),
                    ReadU32(image, at + 40), ReadU32(image, at + 44));
                if (section.Type != 8 /* SHT_NOBITS */ && section.Offset + section.Size > image.Length)
                    throw Invalid($"section {i} extends past the end of the file");
                Sections.Add(section);
            }
        }

        public Section? FindSection(uint type)
        {
            foreach (Section section in Sections)
                if (section.Type == type) return section;
            return null;
        }

        public string ReadString(Section table, long offset)
        {
            long start = table.Offset + offset;
            long end = start;
            while (end < table.Offset + table.Size && Image[end] != 0) end++;
            if (end >= table.Offset + table.Size) throw Invalid("a string runs past the end of its string table");
            return Encoding.ASCII.GetString(Image, (int)start, (int)(end - start));
        }

        public InvalidDataException Invalid(string why) => new($"Cannot repair '{_path}': {why}.");
    }

    static ushort ReadU16(byte[] b, long at) => (ushort)(b[at] | b[at + 1] << 8);
    static uint ReadU32(byte[] b, long at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);
    static ulong ReadU64(byte[] b, long at) => ReadU32(b, at) | (ulong)ReadU32(b, at + 4) << 32;
    static void WriteU16(byte[] b, long at, ushort value) { b[at] = (byte)value; b[at + 1] = (byte)(value >> 8); }
}

#if !CLTOOL_RUNTIME
/// <summary>MSBuild task: repairs every libLibTorchSharp.so in a build or publish output when this machine needs it.</summary>
public sealed class RepairLibTorchSharp : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    public override bool Execute()
    {
        if (!LibTorchSharpRepair.SystemNeedsRepair())
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                $"System libstdc++ provides {LibTorchSharpRepair.RequiredVersion}; libLibTorchSharp.so left untouched.");
            return true;
        }
        foreach (var item in Libraries)
        {
            try
            {
                if (LibTorchSharpRepair.Repair(item.ItemSpec) == LibTorchSharpState.NeedsRepair)
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        $"Repaired {item.ItemSpec}: {LibTorchSharpRepair.RequiredVersion} made weak, {LibTorchSharpRepair.MissingSymbol} redirected.");
            }
            catch (Exception error) when (error is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                Log.LogError(error.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif
