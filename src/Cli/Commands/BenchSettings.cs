using System.ComponentModel;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public class BenchSettings : CommandSettings
{
    [CommandOption("-o|--out <DIR>")]
    [Description("Where results go as JSON and Markdown.")]
    [DefaultValue("artifacts/bench")]
    public string Out { get; init; } = "artifacts/bench";

    /// <summary>Writes a benchmark's result as JSON and as the Markdown table it printed.</summary>
    public void Save(string name, object result, string markdown)
    {
        AtomicFile.WriteAllText(Path.Combine(Out, name + ".json"), CltoolJson.Serialize(result) + "\n");
        AtomicFile.WriteAllText(Path.Combine(Out, name + ".md"), markdown);
    }
}
