package dev.pals.spring.aop;

import java.lang.reflect.Method;

/**
 * The root object of a {@link WithLock} name expression: {@code #root.methodName}, {@code #root.args} and
 * so on.
 */
public final class WithLockRoot {
    private final Method method;
    private final Object[] args;
    private final Object target;
    private final Class<?> targetClass;

    WithLockRoot(Method method, Object[] args, Object target, Class<?> targetClass) {
        this.method = method;
        this.args = args;
        this.target = target;
        this.targetClass = targetClass;
    }

    /** The method called. */
    public Method getMethod() {
        return method;
    }

    /** Its name. */
    public String getMethodName() {
        return method.getName();
    }

    /** The arguments of the call. */
    public Object[] getArgs() {
        return args;
    }

    /** The bean called (not its proxy). */
    public Object getTarget() {
        return target;
    }

    /** The bean's class. */
    public Class<?> getTargetClass() {
        return targetClass;
    }
}
