// The partitions' own short critical sections use the runtime's dedicated lock type where it exists (.NET 9+):
// cheaper than a Monitor on an object, and the same `lock` statement compiles against either.
#if NET9_0_OR_GREATER
global using SyncLock = System.Threading.Lock;
#else
global using SyncLock = System.Object;
#endif
