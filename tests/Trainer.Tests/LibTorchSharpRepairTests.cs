using System.Reflection;
using Cltool.NativeCompat;
using Cltool.Trainer.Native;
using TorchSharp;

namespace Cltool.Trainer.Tests;

/// <summary>The ELF edit that lets TorchSharp load on Debian 12, tested on a copy of the untouched library.</summary>
public sealed class LibTorchSharpRepairTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    static string PristineLibrary()
    {
        string root = typeof(LibTorchSharpRepairTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "NuGetPackageRoot").Value!;
        string version = typeof(torch).Assembly.GetName().Version!.ToString(3);
        return Path.Combine(root, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    string CopyOfPristine()
    {
        string copy = Path.Combine(_temporary.Path, "libLibTorchSharp.so");
        File.Copy(PristineLibrary(), copy);
        return copy;
    }

    [Fact]
    public void The_package_library_needs_the_repair_and_is_repaired_afterwards()
    {
        string library = CopyOfPristine();
        Assert.Equal(LibTorchSharpState.NeedsRepair, LibTorchSharpRepair.Inspect(library));

        LibTorchSharpState before = LibTorchSharpRepair.Repair(library);

        Assert.Equal(LibTorchSharpState.NeedsRepair, before);
        Assert.Equal(LibTorchSharpState.Repaired, LibTorchSharpRepair.Inspect(library));
    }

    [Fact]
    public void The_repair_changes_only_the_flag_the_version_index_and_the_symbol_name()
    {
        string library = CopyOfPristine();
        byte[] original = File.ReadAllBytes(library);

        LibTorchSharpRepair.Repair(library);
        byte[] repaired = File.ReadAllBytes(library);

        Assert.Equal(original.Length, repaired.Length);
        int[] changed = Enumerable.Range(0, original.Length).Where(i => original[i] != repaired[i]).ToArray();
        // vna_flags (1 byte), versym (1 byte), and at most the 28 bytes of the old name.
        Assert.InRange(changed.Length, 3, 30);
        // The name also lives in .strtab (debug symbols, never read by the loader); only the .dynstr copy changes.
        Assert.Equal(Occurrences(original, LibTorchSharpRepair.MissingSymbol) - 1, Occurrences(repaired, LibTorchSharpRepair.MissingSymbol));
        Assert.Equal(Occurrences(original, LibTorchSharpRepair.ReplacementSymbol + "\0") + 1,
            Occurrences(repaired, LibTorchSharpRepair.ReplacementSymbol + "\0"));
    }

    static int Occurrences(byte[] haystack, string needle)
    {
        byte[] pattern = System.Text.Encoding.ASCII.GetBytes(needle);
        int count = 0;
        for (int at = haystack.AsSpan().IndexOf(pattern); at >= 0; at = NextIndex(haystack, pattern, at)) count++;
        return count;
    }

    static int NextIndex(byte[] haystack, byte[] pattern, int previous)
    {
        int next = haystack.AsSpan(previous + 1).IndexOf(pattern);
        return next < 0 ? -1 : previous + 1 + next;
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Repairing_twice_changes_nothing_and_keeps_the_file_mode()
    {
        string library = CopyOfPristine();
        File.SetUnixFileMode(library, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        LibTorchSharpRepair.Repair(library);
        byte[] once = File.ReadAllBytes(library);

        LibTorchSharpState second = LibTorchSharpRepair.Repair(library);

        Assert.Equal(LibTorchSharpState.Repaired, second);
        Assert.Equal(once, File.ReadAllBytes(library));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead,
            File.GetUnixFileMode(library));
    }

    [Fact]
    public void A_file_that_is_not_elf_is_refused_with_its_path()
    {
        string bogus = Path.Combine(_temporary.Path, "libLibTorchSharp.so");
        File.WriteAllText(bogus, "not a shared library, just text that is long enough to have a header of 64 bytes or more");

        var error = Assert.Throws<InvalidDataException>(() => LibTorchSharpRepair.Repair(bogus));

        Assert.Contains(bogus, error.Message);
        Assert.Contains("not an ELF file", error.Message);
    }

    [Fact]
    public void The_system_libstdcxx_is_read_for_its_version_definitions()
    {
        string? libstdcxx = LibTorchSharpRepair.FindSystemLibStdCxx();

        Assert.NotNull(libstdcxx);
        Assert.True(LibTorchSharpRepair.DefinesVersion(libstdcxx, "GLIBCXX_3.4"));
        Assert.True(LibTorchSharpRepair.DefinesVersion(libstdcxx, "GLIBCXX_3.4.30"));
        Assert.False(LibTorchSharpRepair.DefinesVersion(libstdcxx, "GLIBCXX_99.0"));
    }

    [Fact]
    public void The_build_repaired_this_test_output_exactly_when_the_system_needs_it()
    {
        LibTorchSharpState state = LibTorchSharpRepair.Inspect(TorchEnvironment.LibTorchSharpPath);

        Assert.Equal(LibTorchSharpRepair.SystemNeedsRepair() ? LibTorchSharpState.Repaired : LibTorchSharpState.NeedsRepair, state);
    }
}
