import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'

export const templateKeys = { all: ['templates'] as const }

export const templatesQuery = () => queryOptions({ queryKey: templateKeys.all, queryFn: api.templates.list })
