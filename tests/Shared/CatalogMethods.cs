using Cltool.Core.Continual;

namespace Cltool.Testing;

/// <summary>Theory data read from the method catalog, so a method added there is tested by every theory that covers its kind.</summary>
public static class CatalogMethods
{
    /// <summary>Every method with a task sequence (joint learns one task, so it has no fifth stage to export).</summary>
    public static TheoryData<string> Sequential => new(MethodCatalog.All.Where(m => !m.OneTask).Select(m => m.Name));

    /// <summary>Every method but the two with tests of their own (sdlora everywhere, sdlora-kd's absorb).</summary>
    public static TheoryData<string> BesidesTheHeadline =>
        new(MethodCatalog.Names.Except([Methods.SdLora, Methods.SdLoraKd]));
}
