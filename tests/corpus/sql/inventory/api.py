from fastapi import APIRouter
from flask import request
from sqlalchemy import delete, select, text

router = APIRouter()


@router.get("/dags/{dag_id}")
def ok_statement_object_with_bound_values(dag_id: str, session):
    query = select(Dag).where(Dag.id == dag_id)
    return session.execute(query)


@router.delete("/pools/{pool_name}")
def ok_delete_statement_object(pool_name: str, session):
    session.execute(delete(Pool).where(Pool.pool == pool_name))


def ok_request_object_to_a_non_sql_execute(request, action_handler):
    return action_handler.execute(request)


def ok_filter_with_an_expression(session):
    return session.query(User).filter(User.id.in_(request.json["ids"])).all()


@router.get("/run")
def bad_handler_parameter_as_text(sql: str, session):
    return session.execute(text(sql))


def bad_query_argument(conn):
    conn.execute(request.args.get("q"))


def ok_quoting_function_alias(connection, name_column):
    qn = connection.ops.quote_name
    name_col = qn(name_column)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE inventory_item SET sort_path = {name_col}::text WHERE parent_id IS NULL")


async def ok_tool_that_runs_the_callers_query(request, ctx):
    database = load_database(request.database_id)
    return database.execute(request.sql, request.options)


def ok_explain_of_a_statement_the_caller_runs(cursor, statement):
    sql = f"EXPLAIN (TYPE IO, FORMAT JSON) {statement}"
    cursor.execute(sql)
    return cursor.fetchone()
