package io.stevedore.registry.metadata;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Counts the PostgreSQL round trips the server makes, per thread: every statement executed and
 * every commit or rollback (the PostgreSQL driver sends BEGIN along with a transaction's first
 * statement, so a transaction costs its statements plus its commit). Installed as a bean post
 * processor that wraps the application's DataSource.
 */
final class RoundTripCounter implements BeanPostProcessor {
    private static final Set<String> EXECUTIONS = Set.of("execute", "executeQuery", "executeUpdate",
            "executeLargeUpdate", "executeBatch", "executeLargeBatch");

    /** One round trip: the thread that made it and the SQL (or "commit", "rollback"). */
    record RoundTrip(Thread thread, String sql) {
    }

    private final List<RoundTrip> trips = new ArrayList<>();

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof DataSource dataSource) {
            return proxy(DataSource.class, dataSource, (target, method, args) -> {
                Object result = method.invoke(target, args);
                return result instanceof Connection connection ? countingConnection(connection) : result;
            }, AutoCloseable.class);
        }
        return bean;
    }

    /** Round trips recorded from now on, until {@link #sinceMark()}. */
    synchronized int mark() {
        return trips.size();
    }

    /**
     * The round trips since {@code mark}, grouped by the thread that made them, keeping only the
     * threads one of whose statements mentions {@code table} (a request runs on one thread;
     * background jobs on others).
     */
    synchronized List<List<String>> since(int mark, String table) {
        Map<Thread, List<String>> byThread = trips.subList(mark, trips.size()).stream()
                .collect(Collectors.groupingBy(RoundTrip::thread, java.util.LinkedHashMap::new,
                        Collectors.mapping(RoundTrip::sql, Collectors.toList())));
        return byThread.values().stream()
                .filter(sqls -> sqls.stream().anyMatch(sql -> sql.contains(table)))
                .toList();
    }

    private synchronized void record(String sql) {
        trips.add(new RoundTrip(Thread.currentThread(), sql.strip().replaceAll("\\s+", " ")));
    }

    private Connection countingConnection(Connection connection) {
        return proxy(Connection.class, connection, (target, method, args) -> {
            Object result = method.invoke(target, args);
            switch (method.getName()) {
                case "commit", "rollback" -> record(method.getName());
                case "prepareStatement", "prepareCall" -> {
                    return countingStatement((Statement) result, (String) args[0]);
                }
                case "createStatement" -> {
                    return countingStatement((Statement) result, null);
                }
                default -> { }
            }
            return result;
        });
    }

    private Statement countingStatement(Statement statement, String preparedSql) {
        Class<?> type = statement instanceof java.sql.CallableStatement
                ? java.sql.CallableStatement.class
                : statement instanceof java.sql.PreparedStatement ? java.sql.PreparedStatement.class : Statement.class;
        return (Statement) proxy(Object.class, statement, (target, method, args) -> {
            if (EXECUTIONS.contains(method.getName())) {
                record(args != null && args.length > 0 && args[0] instanceof String sql ? sql : preparedSql);
            }
            return method.invoke(target, args);
        }, type);
    }

    private interface Call {
        Object invoke(Object target, Method method, Object[] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, T target, Call call, Class<?>... more) {
        List<Class<?>> interfaces = new ArrayList<>(List.of(more));
        if (type != Object.class) {
            interfaces.addFirst(type);
        }
        InvocationHandler handler = (p, method, args) -> {
            try {
                if (method.getDeclaringClass() == AutoCloseable.class) {
                    if (target instanceof AutoCloseable closeable) {
                        closeable.close();
                    }
                    return null;
                }
                if (method.getDeclaringClass() == Object.class) {
                    return switch (method.getName()) {
                        case "equals" -> p == args[0];
                        case "hashCode" -> System.identityHashCode(p);
                        default -> "counting " + target;
                    };
                }
                return call.invoke(target, method, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return type.cast(Proxy.newProxyInstance(RoundTripCounter.class.getClassLoader(), interfaces.toArray(Class<?>[]::new), handler));
    }
}
