using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Cltool.Testing;

/// <summary>
/// Counts the outcomes of one fuzz test (HTTP statuses, or loaded/refused for files) and, when CLTOOL_FUZZ_REPORT names a
/// file (the long run, `dotnet cake --target=Fuzz`), appends them there as one line: the counts docs/serving.md reports.
/// </summary>
public sealed class FuzzReport
{
    static readonly string? Path = Environment.GetEnvironmentVariable("CLTOOL_FUZZ_REPORT");
    readonly ConcurrentDictionary<string, int> _counts = new();

    public void Count(string outcome) => _counts.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public void Write([CallerMemberName] string test = "")
    {
        if (Path is null) return;
        string counts = string.Join(", ", _counts.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}: {pair.Value:N0}"));
        lock (typeof(FuzzReport)) File.AppendAllText(Path, $"{test}: {_counts.Values.Sum():N0} cases ({counts})\n");
    }
}
