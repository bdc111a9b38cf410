-- Runs once, when the PostgreSQL volume is first created (docker-entrypoint-initdb.d).
-- Two databases on one server: the Prefect server's state and the newscorpus corpus stay apart.
CREATE DATABASE prefect;
CREATE DATABASE newscorpus;
