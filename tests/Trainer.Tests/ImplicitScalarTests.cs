using System.Text.RegularExpressions;

namespace Cltool.Trainer.Tests;

/// <summary>
/// TorchSharp's one-argument add/add_ (tensor or scalar) make their alpha = 1 as a temporary native Scalar, which a GC
/// during the call can free while libtorch reads it ("Expected false to be true ... Scalar::toFloat"). `bench stress`
/// hit it within seconds in model construction (Initialisation's add_(shift)); AdamW's add_(eps), gradient clipping's
/// add(epsilon) and C-LoRA's routing merge had the same call. Every add passes its alpha (Scalars.One) explicitly.
/// </summary>
public sealed partial class ImplicitScalarTests
{
    // .add( or .add_( with one argument: no comma outside nested parentheses.
    [GeneratedRegex(@"\.add_?\((?:[^(),]|\([^()]*\))*\)")]
    private static partial Regex OneArgumentAdd();

    [Fact]
    public void No_source_file_calls_add_without_an_explicit_alpha()
    {
        string[] offenders = Directory.EnumerateFiles(Repository.File("src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => File.ReadLines(path).Select((line, index) => (path, line, index)))
            .Where(l => OneArgumentAdd().IsMatch(l.line) && !l.line.TrimStart().StartsWith("//", StringComparison.Ordinal))
            .Select(l => $"{Path.GetRelativePath(Repository.Root, l.path)}:{l.index + 1}: {l.line.Trim()}")
            .ToArray();

        Assert.True(offenders.Length == 0, string.Join("\n", offenders));
    }
}
