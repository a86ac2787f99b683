using Cltool.Core.Errors;

// The standalone inference host. Until the serving issue lands it only reports that, like `cltool serve`.
Console.Error.WriteLine(CltoolException.NotImplemented("serve", "issue #6").Message);
return ExitCodes.NotImplemented;
