using System.Runtime.CompilerServices;
using Cltool.Core.Errors;
using CsCheck;

namespace Cltool.Testing;

/// <summary>
/// Runs a fixed, seeded set of generated cases, the same on every run: CsCheck seeds only the first iteration of a
/// sample, so the cases are drawn as one array from <see cref="Seed"/> (one iteration). A failure names the case that
/// failed (its printed form and the exception); CsCheck then shrinks the array towards a smaller failing set. The long
/// run (`dotnet cake --target=Fuzz`) runs the same tests with CLTOOL_FUZZ_SCALE times the cases and its own
/// CLTOOL_FUZZ_SEED.
/// </summary>
public static class FuzzCases
{
    public const string DefaultSeed = "0N0XIzNsQ0O2";
    static readonly string Seed = Environment.GetEnvironmentVariable("CLTOOL_FUZZ_SEED") is { Length: > 0 } seed ? seed : DefaultSeed;
    static readonly int Scale = int.TryParse(Environment.GetEnvironmentVariable("CLTOOL_FUZZ_SCALE"), out int scale) && scale > 0 ? scale : 1;

    public static void Run<T>(Gen<T> gen, int count, Action<T> check, Func<T, string> print) =>
        gen.Array[count * Scale].Sample(cases =>
        {
            foreach (T one in cases) Checked(one, print, () => check(one));
        }, iter: 1, threads: 1, seed: Seed, print: cases => $"{cases.Length} cases");

    public static Task RunAsync<T>(Gen<T> gen, int count, Func<T, Task> check, Func<T, string> print) =>
        gen.Array[count * Scale].SampleAsync(async cases =>
        {
            foreach (T one in cases)
            {
                try { await check(one); }
                catch (Exception error) { throw new FuzzCaseFailed(print(one), error); }
            }
        }, iter: 1, threads: 1, seed: Seed, print: cases => $"{cases.Length} cases");

    /// <summary>
    /// Writes each damaged file to <paramref name="path"/> and hands the path to <paramref name="load"/>: the file works, or
    /// the loader throws the one <see cref="CltoolException"/> the command line prints as one line (exit 1); any other
    /// exception fails the case. The outcomes are counted for the long run's report.
    /// </summary>
    public static void Files(Gen<byte[]> cases, int count, string path, Action<string> load, [CallerMemberName] string test = "")
    {
        var report = new FuzzReport();
        Run(cases, count, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            try
            {
                load(path);
                report.Count("loaded");
            }
            catch (CltoolException error)
            {
                Assert.False(error.Message.Contains('\n'), error.Message);
                report.Count("one-line error");
            }
        }, ByteMutations.Print);
        report.Write(test);
    }

    static void Checked<T>(T one, Func<T, string> print, Action check)
    {
        try { check(); }
        catch (Exception error) { throw new FuzzCaseFailed(print(one), error); }
    }

    /// <summary>Which generated case failed, with the failure inside.</summary>
    public sealed class FuzzCaseFailed(string input, Exception inner) : Exception($"failing case: {input}", inner);
}
