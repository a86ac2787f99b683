using Cltool.Cli.Infrastructure;
using Cltool.Core.Continual;
using Cltool.Core.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

/// <summary>`cltool methods`: the method catalog, the same list recipe validation and the trainer read.</summary>
public sealed class MethodsCommand(IAnsiConsole console) : Command<MethodsSettings>
{
    public override int Execute(CommandContext context, MethodsSettings settings, CancellationToken cancellationToken)
    {
        var rows = MethodCatalog.All.Select(m => new
        {
            m.Name,
            Family = m.Family.Name,
            m.Trains,
            HeadAlignment = m.TrainsHead,
            m.OneTask,
            m.Options,
            m.Summary,
        }).ToArray();
        if (settings.Json)
        {
            console.WriteLine(CltoolJson.Serialize(rows));
            return 0;
        }
        var table = new Table().AddColumns("method", "family", "trains", "head options", "recipe keys of its own", "what it is");
        foreach (var row in rows)
            table.AddTextRow(row.Name, row.Family, row.Trains, row.HeadAlignment ? string.Join(", ", HeadAlignments.All) : HeadAlignments.None,
                             string.Join(", ", row.Options), row.Summary);
        console.Write(table);
        return 0;
    }
}
