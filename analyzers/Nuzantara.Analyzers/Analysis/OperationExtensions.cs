using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>Small operation-tree helpers shared by analyzers and code fixes.</summary>
internal static class OperationExtensions
{
    /// <summary>The operand under any implicit or explicit conversions.</summary>
    internal static IOperation? WithoutConversions(this IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }
}
