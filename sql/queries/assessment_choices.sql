SELECT field, code, label FROM assessment_choice ORDER BY field, sort
